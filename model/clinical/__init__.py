"""The clinical check: measure a virtual cohort against the published alemtuzumab figures."""
