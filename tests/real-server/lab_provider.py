"""Mock models LiteLLM's own mock_response cannot express: a stream that is slow, and one that
breaks after its first tokens. Loaded by config.yaml through custom_provider_map."""

import asyncio
import time

import litellm
from litellm import CustomLLM
from litellm.llms.custom_llm import CustomLLMError
from litellm.types.utils import GenericStreamingChunk

SLOW_WORDS = [f"tick{n} " for n in range(40)]
SLOW_DELAY_S = 0.1
BROKEN_WORDS = ["Half ", "an ", "answer"]


def chunk(text, finished=False):
    return GenericStreamingChunk(
        text=text,
        tool_use=None,
        is_finished=finished,
        finish_reason="stop" if finished else "",
        usage=None,
        index=0,
    )


def log(line):
    # The test reads the proxy's stdout; flush so a line is there when the event happens.
    print(f"lab_provider: {line}", flush=True)


class LabProvider(CustomLLM):
    def completion(self, model, *args, **kwargs):
        raise CustomLLMError(status_code=400, message=f"{model} only streams")

    async def acompletion(self, model, *args, **kwargs):
        raise CustomLLMError(status_code=400, message=f"{model} only streams")

    async def astreaming(self, model, messages, *args, **kwargs):
        if model == "slow":
            # The caller's last message names the stream in the log, so concurrent tests tell theirs apart.
            tag = str(messages[-1].get("content", ""))[:40] if messages else ""
            sent = 0
            try:
                for word in SLOW_WORDS:
                    yield chunk(word)
                    sent += 1
                    await asyncio.sleep(SLOW_DELAY_S)
                yield chunk("", finished=True)
                log(f"slow stream [{tag}] finished after {sent} chunks")
            finally:
                if sent < len(SLOW_WORDS):
                    log(f"slow stream [{tag}] closed after {sent} chunks")
        elif model == "broken":
            for word in BROKEN_WORDS:
                yield chunk(word)
                await asyncio.sleep(0.02)
            raise CustomLLMError(status_code=500, message="lab upstream dropped the stream")
        else:
            raise CustomLLMError(status_code=404, message=f"no lab model {model}")


lab_provider = LabProvider()
