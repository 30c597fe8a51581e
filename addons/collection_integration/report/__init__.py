from . import collection_agent_status_report
