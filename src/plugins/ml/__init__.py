"""The ml plugin: effort and story point estimates, assignment suggestions, sprint and project health."""
