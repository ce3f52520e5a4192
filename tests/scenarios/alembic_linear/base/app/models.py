from sqlalchemy import Column, Integer, MetaData, Table, Text

metadata = MetaData()
users = Table("users", metadata, Column("id", Integer, primary_key=True), Column("name", Text, nullable=False))
