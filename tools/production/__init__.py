"""Helpers of `tools/production_check.py`: the deployment files read as Docker would read them, the
services run as local processes, the stand-ins for the CRM, the sheets and the alert webhook."""
