"""mkdocs hooks of the manual (mkdocs.yml: ``hooks:``).

The docstrings use Sphinx roles (``:func:`~staffsim.fit```), which mkdocstrings prints as they
are ("(see :func:~staffsim.history.contacts.read_contacts)"); here each becomes plain code, the
last name only when the role says ``~``, as Sphinx shows it."""

from __future__ import annotations

import re

ROLE = re.compile(r":(?:class|func|mod|meth|data|attr|exc|obj):<code>(~?)([^<]+)</code>")


def sphinx_roles_as_code(html: str) -> str:
    """``:func:<code>~a.b.c</code>`` -> ``<code>c</code>``; without ``~`` the whole path."""
    return ROLE.sub(lambda m: f"<code>{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}</code>", html)


def on_page_content(html: str, **kwargs) -> str:
    return sphinx_roles_as_code(html)
