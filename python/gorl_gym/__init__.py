"""The Python side of gorl's gym: environments (env/gym in the Go module).

gorl starts `python -m gorl_gym` as a worker process and speaks to it over the process's
stdin and stdout; see protocol.py for the messages.
"""
