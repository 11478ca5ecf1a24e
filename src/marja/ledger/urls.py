from django.urls import path

from marja.ledger import views

app_name = "ledger"
urlpatterns = [
    path("ledger/", views.entry_list, name="entries"),
    path("ledger/verify/", views.verification, name="verify"),
    path(".well-known/marja-ledger-key.pem", views.public_key_pem, name="public_key_pem"),
    path(".well-known/marja-ledger.json", views.public_key_document, name="public_key"),
]
