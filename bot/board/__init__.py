"""The web board: server-rendered pages of the roadmap, launches and departments (see web.py)."""
