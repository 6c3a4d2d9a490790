"""The web playground (``matcalc serve``): a page and a JSON API over the library, offline.

- ``api``: a request body -> the answer (a JSON-able dict); parsing, deriving, checking and
  code generation are the library's, through ``faces.results`` as the command uses them.
- ``mathml``: LaTeX -> MathML on the server (latex2mathml), checked against a list of elements.
- ``worker``: each derivation runs in a process of its own that is killed at the time limit.
- ``app``: the Starlette application: routes, limits on the body, security headers.
- ``serve``: the command's entry point (uvicorn on a socket it binds itself).
- ``static/``: the page, its one script and its style sheet (no inline script: the page is
  served with a Content-Security-Policy that forbids it).

Starlette, uvicorn and latex2mathml are the optional extra ``web``; only ``serve`` and ``app``
need them, and ``serve`` says how to install them when they are missing.
"""
