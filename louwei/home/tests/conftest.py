from louwei.testing.fixtures import make_building, person  # noqa: F401 (fixtures)
