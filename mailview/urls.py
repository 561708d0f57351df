from django.urls import path

from . import views, views_actions, views_folders, views_live, views_message

app_name = "mailview"
urlpatterns = [
    path("", views.home, name="home"),
    path("mail/", views.home),
    # The folder is the full IMAP path and may contain the hierarchy delimiter.
    path("mail/<path:folder>/", views.mailbox, name="mailbox"),
    # The last segment is always the UID, so no folder name is mistaken for a message.
    # Reading a message (views_message): the page, its sandboxed HTML frame, parts, source, zip.
    path("message/<path:folder>/<int:uid>/", views_message.message, name="message"),
    path(
        "message-frame/<path:folder>/<int:uid>/<str:section>/",
        views_message.message_frame,
        name="message_frame",
    ),
    path(
        "message-part/<path:folder>/<int:uid>/<str:section>/",
        views_message.message_part,
        name="message_part",
    ),
    path(
        "message-source/<path:folder>/<int:uid>/",
        views_message.message_source,
        name="message_source",
    ),
    path("message-zip/<path:folder>/<int:uid>/", views_message.message_zip, name="message_zip"),
    path("trusted-senders/", views_message.trust_sender, name="trust_sender"),
    # Organizing (issue 3): actions, search, folder management, import and export.
    path("actions/", views_actions.message_action, name="message_action"),
    path("actions/undo/", views_actions.undo_action, name="undo_action"),
    path("actions/empty/", views_actions.empty_folder, name="empty_folder"),
    path("search/", views_actions.search_results, name="search"),
    path("folders/", views_folders.manage, name="folders"),
    path("folders/create/", views_folders.create, name="folder_create"),
    path("folders/rename/", views_folders.rename, name="folder_rename"),
    path("folders/delete/", views_folders.delete, name="folder_delete"),
    path("folders/subscribe/", views_folders.subscribe, name="folder_subscribe"),
    path("folders/import/", views_folders.import_messages, name="folder_import"),
    path("export/mbox/<path:folder>/", views_folders.export_mbox, name="export_mbox"),
    path("export/eml/<path:folder>/<int:uid>/", views_folders.export_eml, name="export_eml"),
    # Live mail's polling fallback (the websocket is ws/live/, mailview/routing.py).
    path("updates/<path:folder>/", views_live.updates, name="updates"),
]
