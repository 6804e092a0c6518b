"""The load test of a Monday morning (issue 8, part 6): ``python -m bench.load`` (see ``__main__``)."""
