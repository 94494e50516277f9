"""Huifang's application: storage, services, the command line and the Streamlit app.

The libraries (`sampling`, `questionnaires`, `analysis`, `fixtures`) never import this package; this
package wires them to a database and to people.
"""

__version__ = "0.1.0"
