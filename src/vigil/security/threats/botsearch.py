"""Bot searches in access logs: requests for admin consoles and vulnerable paths that the
server does not have (a 4xx answer), the way vulnerability bots sweep the internet."""

from __future__ import annotations

import re

from vigil.security.threats.model import HttpEvent
from vigil.security.threats.web_patterns import probe_in

# Admin and database consoles and well-known vulnerable applications bots ask for.
ADMIN_PATHS = re.compile(
    r"^/(?:admin|administrator|admin\.php|admin/|manager|phpmanager|php-?my-?admin\w*|"
    r"p(?:hp)?ma\d*|mysql(?:-?admin|manager)?|myadmin|sql(?:admin|manager|web)|websql|webdb|"
    r"dbadmin|db/|mysqldumper|xampp|wp-(?:admin|login|content/plugins)|wordpress|joomla|"
    r"drupal|typo3|cms/|user/login|cgi-bin/|scripts/|\.well-known/(?!acme-challenge))",
    re.IGNORECASE)


def bot_search(lower_path: str, status: int) -> bool:
    """True when a request for this (lower-case) path, answered `status`, is a bot search."""
    if probe_in(lower_path, status):
        return True
    return status in (400, 401, 403, 404, 405) and ADMIN_PATHS.match(lower_path) is not None


def is_bot_search(ev: HttpEvent) -> bool:
    """True when a request looks for an admin or vulnerable path that is not there."""
    return bot_search(ev.path.lower(), ev.status)
