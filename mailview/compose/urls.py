"""URLs of writing mail: compose, identities, contacts (included from webmail/urls.py)."""

from django.urls import path

from .. import views_compose as compose
from .. import views_contacts as contacts

app_name = "compose"
urlpatterns = [
    path("compose/", compose.compose_start, name="start"),
    path("compose/<str:compose_id>/", compose.compose_page, name="page"),
    path("compose/<str:compose_id>/save/", compose.compose_save, name="save"),
    path("compose/<str:compose_id>/send/", compose.compose_send, name="send"),
    path("compose/<str:compose_id>/discard/", compose.compose_discard, name="discard"),
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
    path("accounts/identities/", contacts.identities, name="identities"),
    path("accounts/identities/new/", contacts.identity_edit, name="identity_new"),
    path("accounts/identities/<int:pk>/", contacts.identity_edit, name="identity_edit"),
    path("accounts/identities/<int:pk>/delete/", contacts.identity_delete, name="identity_delete"),
    path("contacts/", contacts.contacts, name="contacts"),
    path("contacts/new/", contacts.contact_edit, name="contact_new"),
    path("contacts/<int:pk>/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/add-sender/", contacts.contact_add_sender, name="contact_add_sender"),
    path("contacts/groups/new/", contacts.group_edit, name="group_new"),
    path("contacts/groups/<int:pk>/", contacts.group_edit, name="group_edit"),
    path("contacts/groups/<int:pk>/delete/", contacts.group_delete, name="group_delete"),
    path("contacts/export.vcf", contacts.contacts_export, name="contacts_export"),
    path("contacts/import/", contacts.contacts_import, name="contacts_import"),
    path("contacts/autocomplete/", contacts.autocomplete, name="autocomplete"),
]
