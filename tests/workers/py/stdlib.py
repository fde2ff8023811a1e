import base64
import hashlib
import json
import logging
import re
import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, asdict
from decimal import Decimal

from workers import Response, WorkerEntrypoint


@dataclass
class Summary:
    words: int
    top: str
    mean_len: float


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        text = await request.text()
        words = re.findall(r"[a-z]+", text.lower())
        top = Counter(words).most_common(1)[0][0]
        print("counted", len(words), "words")
        logging.warning("top word is %s", top)
        summary = Summary(len(words), top, statistics.mean(len(w) for w in words))
        return Response.json({
            "summary": asdict(summary),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "b64": base64.b64encode(b"isolet").decode(),
            "uuid_version": uuid.uuid4().version,
            "decimal": str(Decimal("0.1") + Decimal("0.2")),
            "json": json.dumps({"a": [1, 2]}),
        })
