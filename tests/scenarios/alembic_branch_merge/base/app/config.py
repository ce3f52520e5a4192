import os

# The application refuses to start without its settings: env.py cannot run in the review.
DATABASE_URL = os.environ["APP_DATABASE_URL"]
