"""A separate process claiming outbox rows, for tests/compose/test_outbox_claimers.py.

``python -m tests.support.claimer seed N`` adds a user with N due rows and prints the user's id;
``python -m tests.support.claimer claim WORKER GO USER_ID`` waits for the file GO, then claims
(without sending) until nothing is left and prints the ids it got, as JSON. The database is the
environment's DATABASE_URL."""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from mailview.compose import outbox
    from mailview.models import OutgoingMessage

    if argv[0] == "seed":
        user = get_user_model().objects.create(username=f"carol-{secrets.token_hex(4)}")
        OutgoingMessage.objects.bulk_create(
            OutgoingMessage(
                user=user,
                token=secrets.token_hex(16),
                compose_id=secrets.token_hex(16),
                due=timezone.now(),
                sender="carol@example.org",
                recipients="bob@example.org",
            )
            for _ in range(int(argv[1]))
        )
        print(user.pk)
        return
    worker, go, user_id = argv[1], Path(argv[2]), int(argv[3])
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    taken: list[int] = []
    while rows := outbox.claim_due(worker, [user_id]):
        taken += [row.pk for row in rows]
    print(json.dumps(taken))


if __name__ == "__main__":
    main(sys.argv[1:])
