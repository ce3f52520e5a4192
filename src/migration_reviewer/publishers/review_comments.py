"""Optional line comments: findings posted as one review (event COMMENT, never an approval or a request
for changes) on the lines they are about.

GitHub refuses a whole review when one comment is on a line outside the diff, without saying which, so
only lines of the diff's hunks (added or context lines, on the new side) are commented; the rest stay in
the sticky comment. A finding commented on before, on the same line with the same text, is not posted
again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from github.PullRequest import PullRequest, ReviewComment

from migration_reviewer.analyzers.finding import Finding
from migration_reviewer.renderers.comment import review_comment
from migration_reviewer.wording import counted

MAX_COMMENTS = 10
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def diff_lines(patch: str) -> set[int]:
    """The new-side line numbers a review comment may be put on, from a unified diff's hunks."""
    lines: set[int] = set()
    number = 0
    for line in patch.splitlines():
        hunk = _HUNK.match(line)
        if hunk:
            number = int(hunk.group(1))
        elif line.startswith("-") or line.startswith("\\"):
            continue  # an old-side line, or "\ No newline at end of file"
        elif number:
            lines.add(number)
            number += 1
    return lines


def publish(pr: PullRequest, findings: Sequence[Finding], *, author: str) -> int:
    """Posts the findings that sit on lines of the diff; returns how many were posted."""
    wanted = [f for f in findings if f.path and f.line]
    if not wanted:
        return 0
    commentable = {f.filename: diff_lines(f.patch or "") for f in pr.get_files()}
    posted = {
        (c.path, c.line or c.original_line, c.body.rstrip())
        for c in pr.get_review_comments()
        if c.user.login == author
    }
    comments: list[ReviewComment] = []
    for finding in wanted:
        assert finding.path is not None and finding.line is not None
        body = review_comment(finding)
        if finding.line not in commentable.get(finding.path, ()):
            continue
        if (finding.path, finding.line, body.rstrip()) in posted:
            continue
        comments.append(ReviewComment(path=finding.path, line=finding.line, side="RIGHT", body=body))
        if len(comments) == MAX_COMMENTS:
            break
    if comments:
        count = len(comments)
        summary = f"migration-reviewer: {counted(count, 'finding')} on lines of this change."
        pr.create_review(body=summary, event="COMMENT", comments=comments)
    return len(comments)
