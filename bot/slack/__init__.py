"""The Slack adapter: bolt app, Block Kit rendering, modal, App Home and the Slack messenger."""
