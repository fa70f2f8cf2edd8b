"""Warm-up of new lines (seed tip 9): the day-by-day plan of ZG901's ramp, and the warm-up
conversations between the tenant's own lines."""
