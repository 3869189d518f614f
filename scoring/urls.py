from django.urls import path

from . import views

urlpatterns = [
    path("nam/<int:pk>/bang-diem/", views.table_detail, name="table_detail"),
    path("nam/<int:pk>/bang-diem/tao/", views.table_create, name="table_create"),
    path("nam/<int:pk>/bang-diem/cai-dat/", views.table_settings, name="table_settings"),
    path("nam/<int:pk>/bang-diem/trang-thai/", views.table_status, name="table_status"),
    path("nam/<int:pk>/bang-diem/tieu-chi/them/", views.criterion_add, name="criterion_add"),
    path("bang-diem/tieu-chi/<int:pk>/sua/", views.criterion_edit, name="criterion_edit"),
    path("bang-diem/tieu-chi/<int:pk>/thao-tac/", views.criterion_action, name="criterion_action"),
    path("nam/<int:pk>/bang-diem/excel/", views.table_export, name="table_export"),
    path("nam/<int:pk>/bang-diem/nhap-excel/", views.table_import, name="table_import"),
    path(
        "nam/<int:pk>/bang-diem/van-ban/<slug:slug>/",
        views.table_document,
        name="table_document",
    ),
    path(
        "nam/<int:pk>/bang-diem/van-ban/<slug:slug>/pdf/",
        views.table_document_pdf,
        name="table_document_pdf",
    ),
]

from . import sheet_views  # noqa: E402

urlpatterns += [
    path("nam/<int:pk>/cham-diem/", sheet_views.sheet_list, name="sheet_list"),
    path("nam/<int:pk>/cham-diem/luoi/", sheet_views.review_grid, name="review_grid"),
    path("nam/<int:pk>/cham-diem/han/", sheet_views.deadlines, name="deadlines"),
    path("phieu/<int:pk>/", sheet_views.sheet_detail, name="sheet_detail"),
    path("phieu/<int:pk>/thao-tac/", sheet_views.sheet_action, name="sheet_action"),
    path("phieu/<int:pk>/lich-su/", sheet_views.sheet_history, name="sheet_history"),
    path("phieu/<int:pk>/van-ban/", sheet_views.sheet_document, name="sheet_document"),
    path("phieu/<int:pk>/pdf/", sheet_views.sheet_pdf, name="sheet_pdf"),
    path("diem/<int:pk>/luu/", sheet_views.score_save, name="score_save"),
    path("diem/<int:pk>/minh-chung/", sheet_views.evidence_upload, name="evidence_upload"),
    path("minh-chung/<int:pk>/", sheet_views.evidence_download, name="evidence_download"),
    path("minh-chung/<int:pk>/xoa/", sheet_views.evidence_delete, name="evidence_delete"),
]

from . import results_views  # noqa: E402

urlpatterns += [
    path("nam/<int:pk>/ket-qua/", results_views.results, name="results"),
    path("nam/<int:pk>/ket-qua/trang-thai/", results_views.results_status, name="results_status"),
]
urlpatterns += [
    path("nam/<int:pk>/ket-qua/tong-hop.pdf", results_views.summary_pdf, name="summary_pdf"),
    path("nam/<int:pk>/ket-qua/tong-hop.xlsx", results_views.summary_xlsx, name="summary_xlsx"),
]

from . import ballot_views  # noqa: E402

urlpatterns += [
    path("nam/<int:pk>/binh-xet/", ballot_views.ballot_list, name="ballot_list"),
    path("nam/<int:pk>/binh-xet/mo/", ballot_views.ballot_create, name="ballot_create"),
    path("binh-xet/<int:pk>/", ballot_views.ballot_detail, name="ballot_detail"),
]
urlpatterns += [
    path("nam/<int:pk>/binh-xet/van-ban/<slug:slug>/", results_views.vote_document,
         name="vote_document"),
    path("nam/<int:pk>/binh-xet/van-ban/<slug:slug>/pdf/", results_views.vote_document_pdf,
         name="vote_document_pdf"),
]  # fmt: skip

from . import overview_views  # noqa: E402

urlpatterns += [
    path("co-quan/<int:pk>/tong-quan/", overview_views.authority_overview,
         name="authority_overview"),
    path("don-vi/<int:pk>/ket-qua/", overview_views.unit_results, name="unit_results"),
]  # fmt: skip
