"""The Textual face of Oracle: three screens (Oracle, Train, Models) over `oracle.engine`."""
