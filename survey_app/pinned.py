"""Importing this module pins the process's arithmetic (`numeric_platform.pin`), so that the figures of
a report built here rebuild byte for byte on an auditor's machine. It must be imported before anything
loads numpy: by the app's script (Streamlit's server has not loaded numpy when the script first runs)
and the test suite's conftest; the `huifang` command calls `pin` itself. Processes started from here
inherit the pin through the environment."""

from survey_app.numeric_platform import pin

pin()
