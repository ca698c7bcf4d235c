"""English texts of the working calendar: company days, the holiday listing, working hours."""

MESSAGES = {
    "holiday.company_day": "Company day off",
    "holiday.extra_workday": "Extra working day",
    "holiday.makeup_workday": "Make-up working day (调休)",
    "holiday.added_off": "{date} is now a day off: {name}",
    "holiday.added_workday": "{date} is now a working day: {name}",
    "holiday.removed": "{date} is no longer a company day; the public calendar applies again",
    "holidays.title": "Days off and make-up working days · {region}",
    "holidays.default_region": "{region} (default for the workspace language; change with settings holidays)",
    "holidays.no_data": "No public-holiday data for {year} ({region}) yet: counting weekdays and company "
    "days only until it is published.",
    "holidays.none": "No days off or extra working days from {start} to {end}.",
    "holidays.line_off": "🏖 {date} · {name}",
    "holidays.line_work": "💼 {date} · {name} (working day)",
    "holidays.company": " · company",
    "holidays.hint": "/coord holidays [next | 2026-10 | oct]",
    "setting.holidays": "Public holidays",
    "setting.hours": "Working hours",
    "field.holidays": "Public holidays",
    "dept.holidays_set": "{department} follows the public holidays of {region}",
    "err.holiday_args": "Tell me what to do with which day.",
    "err.holiday_name_too_long": "A day's name can have at most {limit} characters.",
    "err.holidays_args": "I can't read “{text}” as a month; try next, 2026-10 or oct.",
    "err.no_company_day": "{date} is not a company day.",
    "err.bad_holiday_region": "I don't know the holiday calendar “{text}”; try CN, US, US-CA, GB, DE, JP, "
    "SG, or none.",
    "err.bad_hours": "I can't read “{text}” as working hours; try 09:00-18:00.",
    "help.holiday": "Admins add company days off and extra working days (they win over public holidays), "
    "or remove them.",
    "help.holidays": "List the coming days off and make-up working days, of a month, or the next one.",
    "usage.holiday": "/coord holiday add <date> [name] | holiday workday <date> [name] | "
    "holiday remove <date>",
    "usage.holidays": "/coord holidays [next | <month>]",
    "examples.holiday": "/coord holiday add 2026-12-24 Company day · /coord holiday workday 2027-01-02",
    "examples.holidays": "/coord holidays · /coord holidays next · /coord holidays 2026-10",
}
