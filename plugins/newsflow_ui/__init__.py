"""The newsflow_quality plugin's web app (see ../newsflow_quality.py); not a plugin file itself."""
