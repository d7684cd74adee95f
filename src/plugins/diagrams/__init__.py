"""The diagrams plugin: workflow, dependency, roadmap, burndown and velocity diagrams as JSON data or SVG."""
