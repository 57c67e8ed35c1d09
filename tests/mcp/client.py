"""A real MCP client (the `mcp` package) against notion-graph's /mcp: lists the tools and calls
each, then prints what came back as one JSON report on stdout for the Rust test to check.

Argument: a JSON object {"url", "key", "page", "other"} (two page titles of the workspace)."""

import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def structured(result):
    """A tool result as the test reads it: its structured content, or its error text."""
    if result.is_error:
        return {"error": " ".join(c.text for c in result.content)}
    return result.structured_content


async def main(config):
    headers = {"Authorization": f"Bearer {config['key']}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        transport = streamable_http_client(config["url"], http_client=http, terminate_on_close=False)
        async with Client(transport, mode="auto") as client:
            listed = await client.list_tools()
            page, other = config["page"], config["other"]
            calls = {
                "list_workspaces": {},
                "search_pages": {"query": "", "limit": 5},
                "search_pages_next": {"query": "", "limit": 5, "cursor": "5"},
                "get_page": {"page": page, "limit": 3},
                "neighbourhood": {"page": page, "depth": 2},
                "shortest_path": {"from": page, "to": other},
                "graph_summary": {"top": 3},
                "changes_since": {},
                "unknown_page": {"page": "No page has this title"},
            }
            tool = {"search_pages_next": "search_pages", "unknown_page": "get_page"}
            results = {}
            for name, arguments in calls.items():
                result = await client.call_tool(tool.get(name, name), arguments)
                results[name] = structured(result)
            report = {
                "tools": [t.name for t in listed.tools],
                "schemas": {t.name: t.input_schema for t in listed.tools},
                "results": results,
            }
    print(json.dumps(report))


asyncio.run(main(json.loads(sys.argv[1])))
