"""An Evolution API client (the ``evolutionapi`` package) pointed at zapguard by its base URL.

Usage: evolution_client.py BASE_URL API_KEY INSTANCE NUMBER TEXT; prints the send result as JSON, or
{"error": ...}.
"""

from __future__ import annotations

import json
import sys

from evolutionapi.client import EvolutionClient
from evolutionapi.exceptions import EvolutionAPIError
from evolutionapi.models.message import TextMessage


def main() -> None:
    base_url, key, instance, number, text = sys.argv[1:6]
    client = EvolutionClient(base_url=base_url, api_token=key)
    try:
        result = client.messages.send_text(instance, TextMessage(number=number, text=text), key)
    except EvolutionAPIError as error:
        print(json.dumps({"error": str(error)}))
        return
    print(json.dumps(result))


if __name__ == "__main__":
    main()
