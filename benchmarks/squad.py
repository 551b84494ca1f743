"""Turn a SQuAD-format file (e.g. CMRC 2018) into NewsBot articles (JSONL) and a QA file (JSONL)."""

from __future__ import annotations

import json
from pathlib import Path


def convert(squad_path: Path, out_dir: Path) -> tuple[Path, Path, dict[str, str]]:
    """Write out_dir/articles/contexts.jsonl and out_dir/qa.jsonl; return their paths and question->context id."""
    data = json.loads(squad_path.read_text(encoding="utf-8"))
    articles_dir = out_dir / "articles"
    articles_dir.mkdir(parents=True, exist_ok=True)
    article_lines: list[str] = []
    qa_lines: list[str] = []
    gold: dict[str, str] = {}
    for doc in data["data"]:
        for p_no, para in enumerate(doc["paragraphs"]):
            context_id = str(para.get("id") or f"{doc.get('id', doc.get('title'))}-{p_no}")
            article_lines.append(
                json.dumps(
                    {"id": context_id, "title": doc.get("title", ""), "text": para["context"]}, ensure_ascii=False
                )
            )
            for qa in para["qas"]:
                answers = list(dict.fromkeys(a["text"] for a in qa["answers"]))
                qa_lines.append(json.dumps({"question": qa["question"], "answers": answers}, ensure_ascii=False))
                gold[qa["question"]] = context_id
    articles = articles_dir / "contexts.jsonl"
    articles.write_text("\n".join(article_lines) + "\n", encoding="utf-8")
    qa_path = out_dir / "qa.jsonl"
    qa_path.write_text("\n".join(qa_lines) + "\n", encoding="utf-8")
    return articles, qa_path, gold
