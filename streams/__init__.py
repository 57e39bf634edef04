"""Transport: the Faust app, topics, agents and the aiokafka tools (replay, tail). Calls into processors/."""
