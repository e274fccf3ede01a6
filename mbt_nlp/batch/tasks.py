"""What a batch run is made of, shared by the main process and the workers: the
pipeline to build, the run's options, one input file's task and where its outputs go.

Light on purpose: the main process of a run imports this, never spaCy or pandas
(tag_file.py, which tags, is imported only where files are tagged).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mbt_nlp.pipeline.names import CLASSIFIER
from mbt_nlp.readers import ReadOptions

if TYPE_CHECKING:
    from spacy.language import Language

OUTPUT_FORMATS = ("jsonl", "csv", "parquet", "spacy", "html")


@dataclass(frozen=True)
class PipelineSpec:
    """What pipeline to build: small and picklable, so workers can build their own."""

    base: str | None = None
    model: str | None = None
    rules_only: bool = False
    prior: tuple[tuple[str, float], ...] | None = None
    threshold: float | None = None
    operating_point: str | None = None

    def build(self) -> Language:
        from mbt_nlp import load

        nlp = load(self.base, self.model, self.rules_only)
        if nlp.has_pipe(CLASSIFIER) and (self.prior or self.threshold is not None
                                         or self.operating_point is not None):
            nlp.get_pipe(CLASSIFIER).configure(
                dict(self.prior) if self.prior else None, self.threshold, self.operating_point)
        return nlp


@dataclass(frozen=True)
class TaskOptions:
    out_dir: str
    formats: tuple[str, ...]
    read_options: ReadOptions = field(default_factory=ReadOptions)
    input_format: str | None = None
    spec: PipelineSpec = field(default_factory=PipelineSpec)
    label_clinician: bool = False
    n_process: int = 1
    batch_size: int = 256
    raw_cells: bool = False  # CSV cells written as they are, formulas included

    @property
    def table_format(self) -> str:
        return "parquet" if "parquet" in self.formats else "csv"

    def fingerprint(self) -> dict[str, Any]:
        """What makes two runs' outputs interchangeable (for resume)."""
        data = asdict(self)
        data.pop("out_dir")
        data.pop("n_process")
        data.pop("batch_size")
        data["read_options"]["roles"] = {
            k: sorted(v) if v else None for k, v in data["read_options"]["roles"].items()}
        return json.loads(json.dumps(data, default=str))


@dataclass(slots=True)  # a run holds one per input file: no __dict__ each
class Task:
    source: str  # a path
    name: str  # output stem, relative to the output directory
    label: str  # how to name the input in messages ('-' for stdin)
    stage: str | None = None  # where to write the outputs (default: the output directory)


def output_paths(task_name: str, options: TaskOptions,
                 root: str | Path | None = None) -> dict[str, Path]:
    """Every output of one input, under `root` (default: the output directory)."""
    out = Path(options.out_dir if root is None else root)
    # html: one page per session beside `<name>.html.json`, the list of those pages
    # (written last, so it marks the pages complete) from which DIR/index.html is built.
    paths = {fmt: out / (f"{task_name}.html.json" if fmt == "html" else f"{task_name}.{fmt}")
             for fmt in options.formats}
    paths["sessions"] = out / f"{task_name}.sessions.{options.table_format}"
    paths["markers"] = out / f"{task_name}.markers.{options.table_format}"
    return paths
