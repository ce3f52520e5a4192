"""Publishers: where a rendered report goes. The pull request (a sticky comment, line comments), the
runner (job summary, annotations, step outputs, files) and the log. The only room that talks to GitHub."""
