"""Administrators: the people with accounts, and inviting new ones."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.forms import add_refusal

from .. import services
from ..forms import InviteForm
from ..models import Invitation
from ..permissions import administrator_required
from ..roles import Role

User = get_user_model()


@administrator_required
def user_list(request):
    users = User.objects.prefetch_related(
        "groups",
        Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at"), to_attr="invitation_list"),
    ).order_by("-date_joined")
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(groups__name=role)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(email__icontains=query) | Q(full_name__icontains=query))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request, "accounts/user_list.html", {"page": page, "roles": Role.choices, "role": role, "query": query}
    )


@administrator_required
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.user_invite(**form.cleaned_data, invited_by=request.user)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": invitation.user.email})
            return redirect("accounts:user_list")
    return render(request, "accounts/invite.html", {"form": form, "invitation_days": settings.INVITATION_VALID_DAYS})


@administrator_required
@require_POST
def reinvite(request, pk):
    user = get_object_or_404(User, pk=pk)
    last = user.invitations.order_by("-created_at").first()
    if user.is_active or last is None:
        messages.error(request, _("%(email)s has no pending invitation to send again.") % {"email": user.email})
    else:
        services.invitation_send(user=user, role=last.role, invited_by=request.user)
        messages.success(request, _("A new invitation is on its way to %(email)s.") % {"email": user.email})
    return redirect("accounts:user_list")
