"""Rendering shared by the apps.

Django renders every form widget with a template of its own: in its template language, a select
of the 600 time zones takes 30 ms and the dozen fields of the advanced search 1.2 ms. Django
ships the same widget templates for Jinja2, which renders them several times faster with the
same markup. Forms with many widgets use this renderer (``default_renderer``); the admin keeps
Django's, whose widgets have no Jinja2 templates. docs/decisions.md: "Jinja2 for message rows
and busy forms".
"""

from __future__ import annotations

from django.forms.renderers import Jinja2

widget_renderer = Jinja2()
