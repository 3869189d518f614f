from django.urls import path

from . import views

app_name = "pledges"

urlpatterns = [
    path("nam/<int:pk>/giao-uoc/", views.pledge_detail, name="pledge_detail"),
    path("nam/<int:pk>/giao-uoc/tao/", views.pledge_create, name="pledge_create"),
    path("nam/<int:pk>/giao-uoc/sua/", views.pledge_edit, name="pledge_edit"),
    path("nam/<int:pk>/giao-uoc/trang-thai/", views.pledge_status, name="pledge_status"),
    path("nam/<int:pk>/giao-uoc/muc/them/", views.clause_add, name="clause_add"),
    path("giao-uoc/muc/<int:pk>/sua/", views.clause_edit, name="clause_edit"),
    path("giao-uoc/muc/<int:pk>/di-chuyen/", views.clause_move, name="clause_move"),
    path("giao-uoc/muc/<int:pk>/xoa/", views.clause_delete, name="clause_delete"),
    path("giao-uoc/ky/<int:pk>/sua/", views.signatory_edit, name="signatory_edit"),
    path("nam/<int:pk>/giao-uoc/ky/dong-bo/", views.signatories_sync, name="signatories_sync"),
    path("nam/<int:pk>/giao-uoc/hoi-nghi/", views.ceremony_edit, name="ceremony_edit"),
    path("nam/<int:pk>/giao-uoc/hoi-nghi/dai-bieu/them/", views.attendee_add, name="attendee_add"),
    path("giao-uoc/dai-bieu/<int:pk>/xoa/", views.attendee_delete, name="attendee_delete"),
    path("nam/<int:pk>/giao-uoc/ban-ky/", views.scan_upload, name="pledge_scan_upload"),
    path("nam/<int:pk>/giao-uoc/ban-ky/tai/", views.scan_download, name="pledge_scan"),
    path(
        "nam/<int:pk>/giao-uoc/van-ban/<slug:slug>/",
        views.document_preview,
        name="pledge_document",
    ),
    path(
        "nam/<int:pk>/giao-uoc/van-ban/<slug:slug>/pdf/",
        views.document_pdf,
        name="pledge_document_pdf",
    ),
]
