# Team Tasks - people
#
# Who uses the app (personas) and canned data sets to demo it (scenarios).
# Persona ids double as role names: role(lead) in an access rule means
# "the signed-in user acts as the lead persona".

module team_tasks.people

# Demo data fills entities from the core module, and default_workspace points
# at dashboards from the screens module. The linker only insists on `use` for
# refs, `uses entity` and action targets, but we declare both dependencies
# anyway so the file says what it relies on.
use team_tasks.core
use team_tasks.screens

# -----------------------------------------------------------------------------
# Personas
# -----------------------------------------------------------------------------

persona lead "Team Lead":
  description: "Runs a team: splits projects into tasks, hands them out and signs work off"
  goals: "Keep every task owned", "Spot slipping deadlines early", "Balance the load across the team"
  proficiency: expert
  default_workspace: team_overview

persona member "Team Member":
  description: "Picks up tasks, moves them along the board and asks for review"
  goals: "See what is mine today", "Update progress in a couple of clicks", "Discuss a task in place"
  proficiency: intermediate
  default_workspace: my_work

persona viewer "Stakeholder":
  description: "Follows progress from outside the team without changing anything"
  goals: "Know how far each project is", "See what is late"
  proficiency: novice
  default_workspace: task_board

# -----------------------------------------------------------------------------
# Scenarios
# -----------------------------------------------------------------------------

# A brand new install: good for checking empty states and first-run screens.
scenario blank_slate "Blank Slate":
  description: "No data at all"

  for persona lead:
    start_route: "/app/workspaces/team_overview"

  for persona member:
    start_route: "/app/workspaces/my_work"

  for persona viewer:
    start_route: "/app/workspaces/task_board"

# Two teams half way through their projects, with work in every column.
# References in the records use natural keys (team name, member email,
# project code) rather than ids.
scenario mid_quarter "Mid Quarter":
  description: "Two teams, two projects, tasks spread over the whole workflow"

  for persona lead:
    start_route: "/app/workspaces/team_overview"

  for persona member:
    start_route: "/app/workspaces/my_work"

  for persona viewer:
    start_route: "/app/workspaces/task_board"

  demo:
    Team:
      - name: "Platform", description: "APIs, storage and the deploy pipeline"
      - name: "Product", description: "Customer-facing screens and onboarding"

    Member:
      - email: "ines.okafor@example.org", name: "Ines Okafor", role: lead, active: true, team: "Platform"
      - email: "tomas.lind@example.org", name: "Tomas Lind", role: member, active: true, team: "Platform"
      - email: "priya.raman@example.org", name: "Priya Raman", role: member, active: true, team: "Platform"
      - email: "jon.vale@example.org", name: "Jon Vale", role: lead, active: true, team: "Product"
      - email: "mei.sato@example.org", name: "Mei Sato", role: member, active: true, team: "Product"
      - email: "omar.haddad@example.org", name: "Omar Haddad", role: viewer, active: false, team: "Product"

    Project:
      - name: "Storage Migration", code: "PLAT-STOR", team: "Platform", budget: 48000.00, starts_on: "2026-01-12", ends_on: "2026-06-30"
      - name: "New Onboarding", code: "PROD-ONB", team: "Product", budget: 21500.00, starts_on: "2026-02-02", ends_on: "2026-05-15"

    Task:
      - title: "Inventory current buckets", status: done, priority: medium, estimate_hours: 6.00, project: "PLAT-STOR", assignee: "tomas.lind@example.org", reporter: "ines.okafor@example.org"
      - title: "Write the copy job", status: in_progress, priority: high, due_date: "2026-04-10", estimate_hours: 16.00, project: "PLAT-STOR", assignee: "priya.raman@example.org", reporter: "ines.okafor@example.org"
      - title: "Dry run on staging", status: todo, priority: urgent, due_date: "2026-03-27", estimate_hours: 8.00, project: "PLAT-STOR", reporter: "ines.okafor@example.org"
      - title: "Cut over production", status: todo, priority: high, due_date: "2026-05-04", estimate_hours: 12.50, project: "PLAT-STOR", assignee: "tomas.lind@example.org", reporter: "ines.okafor@example.org"
      - title: "Retire the old cluster", status: cancelled, priority: low, project: "PLAT-STOR", reporter: "tomas.lind@example.org"
      - title: "Sketch the welcome flow", status: review, priority: medium, due_date: "2026-03-20", estimate_hours: 10.00, project: "PROD-ONB", assignee: "mei.sato@example.org", reporter: "jon.vale@example.org"
      - title: "Usability test with five users", status: todo, priority: medium, due_date: "2026-04-24", estimate_hours: 14.00, project: "PROD-ONB", reporter: "jon.vale@example.org"
      - title: "Email verification step", status: in_progress, priority: urgent, due_date: "2026-03-18", estimate_hours: 5.50, project: "PROD-ONB", assignee: "mei.sato@example.org", reporter: "jon.vale@example.org"
      - title: "Pick an illustration style", status: archived, priority: low, estimate_hours: 3.00, project: "PROD-ONB", assignee: "jon.vale@example.org", reporter: "mei.sato@example.org"

    Comment:
      - task: "Write the copy job", author: "ines.okafor@example.org", body: "Please keep the job restartable; the copy will take days."
      - task: "Email verification step", author: "jon.vale@example.org", body: "Design is signed off, only the backend part is left."
