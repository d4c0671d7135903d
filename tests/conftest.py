"""Suite-wide fixtures: the fake Kubernetes API server (`apiserver`, `make_apiserver`)."""

pytest_plugins = ["tests.fakes.apiserver.fixture"]
