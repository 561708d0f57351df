"""Every URL of the mail app: the mail screens, the account pages (namespace accounts) and
writing mail (namespace compose). webmail/urls.py includes the three lists."""

from django.urls import path

from mailview.compose import outbox_views as outbox
from mailview.compose import views as compose
from mailview.live import views as live
from mailview.views import (
    account,
    actions,
    app,
    filters,
    folders,
    i18n,
    mailbox,
    message,
    people,
    settings,
    sharing,
    sso,
    two_factor,
    vacation,
)

app_name = "mailview"
urlpatterns = [
    path("", mailbox.home, name="home"),
    path("jsi18n/", i18n.javascript_catalog, name="javascript_catalog"),
    path("mail/", mailbox.home),
    # The folder is the full IMAP path and may contain the hierarchy delimiter.
    path("mail/<path:folder>/", mailbox.mailbox, name="mailbox"),
    # The last segment is always the UID, so no folder name is mistaken for a message.
    # Reading a message (views/message.py): the page, its sandboxed HTML frame, parts, source, zip.
    path("message/<path:folder>/<int:uid>/", message.message, name="message"),
    path(
        "message-frame/<path:folder>/<int:uid>/<str:section>/",
        message.message_frame,
        name="message_frame",
    ),
    path(
        "message-part/<path:folder>/<int:uid>/<str:section>/",
        message.message_part,
        name="message_part",
    ),
    path(
        "message-source/<path:folder>/<int:uid>/",
        message.message_source,
        name="message_source",
    ),
    path("message-zip/<path:folder>/<int:uid>/", message.message_zip, name="message_zip"),
    path("trusted-senders/", message.trust_sender, name="trust_sender"),
    # Organizing (issue 3): actions, search, folder management, import and export.
    path("actions/", actions.message_action, name="message_action"),
    path("actions/undo/", actions.undo_action, name="undo_action"),
    path("actions/empty/", actions.empty_folder, name="empty_folder"),
    path("search/", actions.search_results, name="search"),
    path("folders/", folders.manage, name="folders"),
    path("folders/create/", folders.create, name="folder_create"),
    path("folders/rename/", folders.rename, name="folder_rename"),
    path("folders/delete/", folders.delete, name="folder_delete"),
    path("folders/subscribe/", folders.subscribe, name="folder_subscribe"),
    path("folders/import/", folders.import_messages, name="folder_import"),
    path("folders/share/", sharing.share_page, name="folder_share"),
    path("export/mbox/<path:folder>/", folders.export_mbox, name="export_mbox"),
    path("export/eml/<path:folder>/<int:uid>/", folders.export_eml, name="export_eml"),
    # The installable app and offline use (views/app.py; static/webmail/offline/).
    path("manifest.webmanifest", app.manifest, name="manifest"),
    path("sw.js", app.service_worker, name="service_worker"),
    path("offline/", app.offline_shell, name="offline_shell"),
    path("offline/key/", app.offline_key, name="offline_key"),
    path("offline/replay/", app.offline_replay, name="offline_replay"),
    # Live mail's polling fallback (the websocket is ws/live/, mailview/live/routing.py).
    path("updates/<path:folder>/", live.updates, name="updates"),
    # The folder tree's counts, asked by a page that was shown without them (issue 14).
    path("folder-counts/", live.counts, name="folder_counts"),
]

# Log in and out, settings and two-factor authentication (namespace accounts).
account_urls = (
    [
        path("login/", account.LoginView.as_view(), name="login"),
        path("logout/", account.LogoutView.as_view(), name="logout"),
        path("login/sso/", sso.start, name="sso_start"),
        path("login/sso/callback/", sso.callback, name="sso_callback"),
        path("settings/", account.preferences, name="preferences"),
        path("login/code/", two_factor.verify, name="otp_verify"),
        path("two-factor/", two_factor.settings_page, name="two_factor"),
        path("two-factor/setup/", two_factor.enrol, name="otp_enrol"),
        path("two-factor/codes/", two_factor.recovery_codes, name="otp_codes"),
        # Filters and out-of-office (Sieve over ManageSieve): mailview/views/filters.py.
        path("settings/filters/", filters.filters_page, name="filters"),
        path("settings/filters/new/", filters.rule_edit, name="filter_new"),
        path("settings/filters/<int:index>/", filters.rule_edit, name="filter_edit"),
        path("settings/filters/<int:index>/delete/", filters.rule_delete, name="filter_delete"),
        path("settings/filters/<int:index>/toggle/", filters.rule_toggle, name="filter_toggle"),
        path("settings/filters/order/", filters.rule_order, name="filter_order"),
        path("settings/filters/activate/", filters.script_activate, name="filter_activate"),
        path("settings/filters/script/", filters.script_edit, name="filter_script"),
        path("settings/filters/script/delete/", filters.script_delete, name="filter_script_delete"),
        path("settings/filters/like/", filters.filter_like, name="filter_like"),
        path("settings/out-of-office/", vacation.vacation_page, name="vacation"),
        path("settings/panes/", settings.pane_split, name="pane_split"),
        # Last: the form sections (accounts/settings_area.py) by slug.
        path("settings/<slug:section>/", settings.section_page, name="settings_section"),
    ],
    "accounts",
)

# Writing mail: compose, identities, contacts (namespace compose).
compose_urls = (
    [
        path("compose/", compose.compose_start, name="start"),
        path("compose/<str:compose_id>/", compose.compose_page, name="page"),
        path("compose/<str:compose_id>/save/", compose.compose_save, name="save"),
        path("compose/<str:compose_id>/send/", compose.compose_send, name="send"),
        path("compose/<str:compose_id>/discard/", compose.compose_discard, name="discard"),
        # Undo send (compose/outbox.py): the outbox's Undo and the notice's status question.
        path("outbox/<str:token>/undo/", outbox.undo_send, name="undo_send"),
        path("outbox/<str:token>/", outbox.send_status, name="send_status"),
        path(
            "compose/<str:compose_id>/attachments/",
            compose.attachment_upload,
            name="attachment_upload",
        ),
        path(
            "compose/<str:compose_id>/attachments/<str:attachment_id>/remove/",
            compose.attachment_remove,
            name="attachment_remove",
        ),
        path("accounts/identities/", people.identities, name="identities"),
        path("accounts/identities/new/", people.identity_edit, name="identity_new"),
        path("accounts/identities/<int:pk>/", people.identity_edit, name="identity_edit"),
        path(
            "accounts/identities/<int:pk>/delete/", people.identity_delete, name="identity_delete"
        ),
        path("contacts/", people.contacts, name="contacts"),
        path("contacts/new/", people.contact_edit, name="contact_new"),
        path("contacts/<int:pk>/", people.contact_edit, name="contact_edit"),
        path("contacts/<int:pk>/delete/", people.contact_delete, name="contact_delete"),
        path("contacts/add-sender/", people.contact_add_sender, name="contact_add_sender"),
        path("contacts/groups/new/", people.group_edit, name="group_new"),
        path("contacts/groups/<int:pk>/", people.group_edit, name="group_edit"),
        path("contacts/groups/<int:pk>/delete/", people.group_delete, name="group_delete"),
        path("contacts/export.vcf", people.contacts_export, name="contacts_export"),
        path("contacts/import/", people.contacts_import, name="contacts_import"),
        path("contacts/autocomplete/", people.autocomplete, name="autocomplete"),
        path("contacts/recent/<int:pk>/remove/", people.recent_remove, name="recent_remove"),
    ],
    "compose",
)
