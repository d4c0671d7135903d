"""Pure strategy engine: step plans, the rollout state machine, traffic renderers.

No I/O and no clock of its own: time is a parameter.
"""
