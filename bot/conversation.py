"""Per-chat conversation memory: the last question's turn, its answer's sources and the last listed articles, kept for
a short window."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.followup import Turn
from retrieval.models import Source

# Chats remembered at most; the oldest is forgotten first (a bound on memory in a busy group bot).
MAX_CHATS = 10_000


@dataclass
class ChatState:
    """What one chat's next message may refer to."""

    at: float
    turn: Turn | None = None
    listed: list[str] = field(default_factory=list)  # article ids of the last /latest, numbered from 1
    sources: tuple[Source, ...] = ()  # the last answer's sources (/source)


class Conversations:
    """Chat id → state, forgotten `window` seconds after the last message (0 = no memory), or on /new."""

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._states: dict[int, ChatState] = {}
        self._lock = threading.Lock()

    def get(self, chat_id: int) -> ChatState | None:
        """The chat's state while it is fresh, else None."""
        with self._lock:
            state = self._states.get(chat_id)
            if state is None:
                return None
            if self.window <= 0 or self._clock() - state.at > self.window:
                del self._states[chat_id]
                return None
            return state

    def turn(self, chat_id: int) -> Turn | None:
        """The last turn of the chat, when fresh."""
        state = self.get(chat_id)
        return state.turn if state is not None else None

    def listed(self, chat_id: int) -> list[str]:
        """The article ids the chat's last /latest listed, when fresh."""
        state = self.get(chat_id)
        return list(state.listed) if state is not None else []

    def sources(self, chat_id: int) -> tuple[Source, ...]:
        """The sources of the chat's last answer, when fresh."""
        state = self.get(chat_id)
        return state.sources if state is not None else ()

    def remember(
        self,
        chat_id: int,
        *,
        turn: Turn | None = None,
        listed: list[str] | None = None,
        sources: tuple[Source, ...] | None = None,
    ) -> None:
        """Record a turn, a listing and/or an answer's sources for the chat and restart its window."""
        if self.window <= 0:
            return
        with self._lock:
            state = self._states.pop(chat_id, None) or ChatState(at=self._clock())
            state.at = self._clock()
            if turn is not None:
                state.turn = turn
            if listed is not None:
                state.listed = listed
            if sources is not None:
                state.sources = sources
            self._states[chat_id] = state  # re-inserted: dict order is recency order
            while len(self._states) > MAX_CHATS:
                del self._states[next(iter(self._states))]

    def forget(self, chat_id: int) -> None:
        """/new: the chat starts over."""
        with self._lock:
            self._states.pop(chat_id, None)
