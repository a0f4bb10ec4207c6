"""Reads shared within one live refresh round: once per key inside it, every time outside it."""

import asyncio

from escalq.state import reads


def test_a_round_reads_each_key_once_and_outside_a_round_every_read_runs():
    calls: list[str] = []

    async def read(key: str) -> str:
        calls.append(key)
        await asyncio.sleep(0)
        return key.upper()

    async def run() -> list[str]:
        with reads.one_round():
            reads.known("seeded", "ahead")
            answers = await asyncio.gather(
                reads.once("a", lambda: read("a")),
                reads.once("a", lambda: read("a")),
                reads.once("b", lambda: read("b")),
                reads.once("seeded", lambda: read("seeded")),
            )
        answers.append(await reads.once("a", lambda: read("a")))
        reads.known("b", "ignored outside a round")
        answers.append(await reads.once("b", lambda: read("b")))
        return answers

    assert asyncio.run(run()) == ["A", "A", "B", "ahead", "A", "B"]
    assert calls == ["a", "b", "a", "b"]
