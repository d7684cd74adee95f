"""Reporting: the activity feed now; sprint and team reports, flow and exports with the agile issue."""
