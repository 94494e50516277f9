"""A one-line Streamlit page for `test_client_address_served.py`: appends the client address the app
throttles by (`state.client()`) to the file named by PROBE_OUT, once per run."""

import os

from survey_app.app import state

with open(os.environ["PROBE_OUT"], "a", encoding="utf-8") as out:
    out.write(f"{state.client()}\n")
