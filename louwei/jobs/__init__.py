"""Long work out of the request: imports, exports and PDFs run as background jobs.

A layer above notifications and below the features (``docs/architecture.md``): it knows no
feature by name. Each feature registers its kinds of job in its own ``jobs`` module
(:mod:`louwei.jobs.kinds`), a page starts one through :func:`louwei.jobs.services.start` (or
:func:`louwei.jobs.views.start_page`), the worker runs it (:mod:`louwei.jobs.running`), and the
person watches it on ``/jobs/<id>/``, is told when it is done, and downloads the file while it is
kept."""
