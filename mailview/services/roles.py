"""The one role lookup: which folder is Drafts, Sent, Junk, Trash, Archive.

Special-use markers (RFC 6154) first; on servers without them (older or migrated installs),
well-known names in several languages, at the top of the personal namespace. The folder tree,
the folder page's protection of special folders and the actions (delete to Trash, archive,
drafts, sent) all ask here, so a folder found by name is shown, protected and used alike.
"""

from __future__ import annotations

from mailview.imap.types import FolderInfo

#: The roles the app uses, with the names looked for when no folder carries the marker (the
#: first one is the name created when there is none).
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "\\Drafts": (
        "Drafts",
        "Draft",
        "Entwürfe",
        "Brouillons",
        "Borradores",
        "Bozze",
        "Concepten",
        "Rascunhos",
        "Utkast",
        "Kladder",
        "Luonnokset",
        "Szkice",
        "Черновики",
    ),
    "\\Sent": (
        "Sent",
        "Sent Items",
        "Sent Messages",
        "Sent Mail",
        "Gesendet",
        "Gesendete Objekte",
        "Gesendete Elemente",
        "Envoyés",
        "Messages envoyés",
        "Éléments envoyés",
        "Enviados",
        "Elementos enviados",
        "Inviata",
        "Posta inviata",
        "Verzonden",
        "Verzonden items",
        "Skickat",
        "Sendt",
        "Lähetetyt",
        "Wysłane",
        "Отправленные",
    ),
    "\\Junk": (
        "Junk",
        "Spam",
        "Junk E-mail",
        "Junk Email",
        "Bulk Mail",
        "Spamverdacht",
        "Courrier indésirable",
        "Indésirables",
        "Correo no deseado",
        "Posta indesiderata",
        "Ongewenste e-mail",
        "Skräppost",
        "Roskaposti",
        "Спам",
    ),
    "\\Trash": (
        "Trash",
        "Deleted Items",
        "Deleted Messages",
        "Deleted",
        "Bin",
        "Papierkorb",
        "Gelöschte Objekte",
        "Gelöschte Elemente",
        "Corbeille",
        "Éléments supprimés",
        "Papelera",
        "Elementos eliminados",
        "Cestino",
        "Posta eliminata",
        "Prullenbak",
        "Verwijderde items",
        "Lixeira",
        "Lixo",
        "Papperskorgen",
        "Papirkurv",
        "Roskakori",
        "Kosz",
        "Корзина",
    ),
    "\\Archive": (
        "Archive",
        "Archives",
        "Archiv",
        "Archivio",
        "Archivo",
        "Archief",
        "Arquivo",
        "Arkiv",
        "Arkisto",
        "Archiwum",
        "Архив",
    ),
}
ROLES = tuple(ROLE_NAMES)


def _shown(name: str, prefix: str) -> str:
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def role_folders(folders: list[FolderInfo], prefix: str = "") -> dict[str, str]:
    """Role ("\\Trash"...) -> folder name, for the roles this account has: the folder with the
    marker, else a top-level folder with a well-known name (first name in ROLE_NAMES order)."""
    found: dict[str, str] = {}
    for info in folders:
        use = info.special_use
        if use in ROLE_NAMES and use not in found and info.selectable:
            found[use] = info.name
    top_level = {
        _shown(info.name, prefix).casefold(): info.name
        for info in folders
        if info.selectable
        and not (info.delimiter and info.delimiter in _shown(info.name, prefix))
        and (not prefix or info.name.startswith(prefix))
    }
    taken = set(found.values())
    for role, names in ROLE_NAMES.items():
        if role in found:
            continue
        for candidate in names:
            name = top_level.get(candidate.casefold())
            if name is not None and name not in taken:
                found[role] = name
                taken.add(name)
                break
    return found


def roles_by_folder(folders: list[FolderInfo], prefix: str = "") -> dict[str, str]:
    """Folder name -> role, the inverse of :func:`role_folders`."""
    return {name: role for role, name in role_folders(folders, prefix).items()}
