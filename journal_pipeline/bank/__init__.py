"""The merchant's bank: statement files (CSV exports of the bank account) read into lines."""
