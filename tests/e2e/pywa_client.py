"""A Cloud API client (pywa) pointed at zapguard by changing only its base URL.

Usage: pywa_client.py BASE_URL API_KEY PHONE_NUMBER_ID TO TEXT; prints {"id": ...} or {"error": ...}.
"""

from __future__ import annotations

import json
import sys

from pywa import WhatsApp
from pywa.errors import WhatsAppError


def main() -> None:
    base_url, key, phone_id, to, text = sys.argv[1:6]
    client = WhatsApp(phone_id=phone_id, token=key)
    # The one change a user makes: the Graph base URL (pywa has no option for it).
    client.api._session.base_url = (
        f"{base_url}/v{client.api._session.base_url.path.split('/v')[-1]}"
    )
    try:
        sent = client.send_message(to=to, text=text)
    except WhatsAppError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message}}))
        return
    print(json.dumps({"id": sent.id}))


if __name__ == "__main__":
    main()
