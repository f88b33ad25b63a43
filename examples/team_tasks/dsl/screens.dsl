# Team Tasks - screens
#
# Surfaces (one screen per entity and mode) and workspaces (dashboards made
# of regions). Every surface binds to an entity from the core module, hence
# the `use` line below.

module team_tasks.screens

use team_tasks.core

# =============================================================================
# Tasks: full create / read / update set
# =============================================================================

# The main task table. Everyone lands here sooner or later, so it carries
# the richest ux block: filters, search, highlighted rows and a tailored
# version for each persona.
surface task_list "Tasks":
  uses entity Task
  mode: list

  section main "Tasks":
    field title "Title"
    field project "Project"
    field status "Status"
    field priority "Priority"
    field assignee "Assignee"
    field reporter "Reported By"
    field due_date "Due"
    field estimate_hours "Estimate (h)"

  ux:
    purpose: "Find, triage and follow every task across projects"
    sort: due_date asc, priority desc
    filter: status, priority, assignee
    search: title, description
    empty: "Nothing to do yet. Add the first task to get the team going."

    # Past the due date and still open: the row turns red.
    attention critical:
      when: due_date < today and status != done
      message: "Overdue"
      action: task_edit

    # Urgent work that nobody has picked up.
    attention warning:
      when: priority = urgent and assignee = null
      message: "Urgent and unassigned"
      action: task_edit

    # Leads see every task and mostly create new ones from here.
    for lead:
      scope: all
      purpose: "Everything the team is working on"
      action_primary: task_create

    # Members see only their own queue; the reporter column is clutter there.
    # Their main button raises a new task (a lead then finds it an owner).
    for member:
      scope: assignee = current_user
      purpose: "Tasks assigned to you"
      hide: reporter
      action_primary: task_create

    # Stakeholders browse without editing and do not need the estimates.
    for viewer:
      scope: all
      purpose: "Read-only view of all work"
      hide: estimate_hours
      read_only: true

surface task_detail "Task":
  uses entity Task
  mode: view

  section main "Task":
    field title "Title"
    field description "Description"
    field project "Project"
    field status "Status"
    field priority "Priority"
    field due_date "Due"
    field estimate_hours "Estimate (h)"
    field age_days "Age (days)"
    field assignee "Assignee"
    field reporter "Reported By"
    field created_at "Created"
    field updated_at "Last Changed"

  ux:
    purpose: "Everything about one task, plus the discussion underneath it"

    for lead:
      action_primary: task_edit

    for viewer:
      read_only: true

# New tasks always start in the default state (todo), so no status field here.
surface task_create "New Task":
  uses entity Task
  mode: create

  section main "New Task":
    field title "Title"
    field description "Description"
    field project "Project"
    field priority "Priority"
    field due_date "Due"
    field estimate_hours "Estimate (h)"
    field assignee "Assignee"
    field reporter "Reported By"

  ux:
    purpose: "Capture a piece of work"

    for member:
      purpose: "Raise a task; a lead will find it an owner"
      hide: assignee
      defaults:
        reporter: current_user
        priority: medium

# Editing is where the workflow moves: status changes are checked against
# the transitions declared on Task.
surface task_edit "Edit Task":
  uses entity Task
  mode: edit

  section main "Edit Task":
    field title "Title"
    field description "Description"
    field status "Status"
    field priority "Priority"
    field due_date "Due"
    field estimate_hours "Estimate (h)"
    field assignee "Assignee"

  ux:
    purpose: "Update details and move the task through the workflow"

# =============================================================================
# Members
# =============================================================================

surface member_list "Team Members":
  uses entity Member
  mode: list

  section main "Members":
    field name "Name"
    field email "Email"
    field team "Team"
    field role "Role"
    field active "Active"

  ux:
    purpose: "Who is on which team, and in what role"
    sort: name asc
    filter: team, role, active
    search: name, email
    empty: "No one has joined yet."

    attention info:
      when: active = false
      message: "No longer active"

    for lead:
      scope: all
      action_primary: member_create

    for member:
      scope: all
      read_only: true

surface member_detail "Team Member":
  uses entity Member
  mode: view

  section main "Member":
    field name "Name"
    field email "Email"
    field team "Team"
    field role "Role"
    field active "Active"
    field joined_at "Joined"

  ux:
    purpose: "One person's details; their tasks show up as related records"

surface member_create "Add Member":
  uses entity Member
  mode: create

  section main "New Member":
    field name "Name"
    field email "Email"
    field team "Team"
    field role "Role"
    field active "Active"

  ux:
    purpose: "Add someone to a team"

    for lead:
      defaults:
        role: member
        active: true

# =============================================================================
# Projects
# =============================================================================

surface project_list "Projects":
  uses entity Project
  mode: list

  section main "Projects":
    field code "Code"
    field name "Name"
    field team "Team"
    field budget "Budget"
    field open_work "Tasks"
    field planned_hours "Planned Hours"
    field ends_on "Ends"

  ux:
    purpose: "All projects with their size and budget at a glance"
    sort: ends_on asc
    filter: team
    search: name, code
    empty: "No projects yet. Create one, then add tasks to it."

    attention warning:
      when: ends_on < today
      message: "End date has passed"

    for lead:
      action_primary: project_create

    for viewer:
      read_only: true

surface project_detail "Project":
  uses entity Project
  mode: view

  section main "Project":
    field code "Code"
    field name "Name"
    field summary "Summary"
    field team "Team"
    field budget "Budget"
    field starts_on "Starts"
    field ends_on "Ends"
    field open_work "Tasks"
    field planned_hours "Planned Hours"

  ux:
    purpose: "A project's plan, budget and the tasks that belong to it"

surface project_create "New Project":
  uses entity Project
  mode: create

  section main "New Project":
    field name "Name"
    field code "Code"
    field summary "Summary"
    field team "Team"
    field budget "Budget"
    field starts_on "Starts"
    field ends_on "Ends"

  ux:
    purpose: "Open a new project for a team"

# =============================================================================
# Comments
# =============================================================================

surface comment_list "Comments":
  uses entity Comment
  mode: list

  section main "Comments":
    field task "Task"
    field author "Author"
    field body "Comment"
    field created_at "Posted"

  ux:
    purpose: "The latest discussion across all tasks"
    sort: created_at desc
    filter: task, author
    search: body
    empty: "No comments yet."

# =============================================================================
# Workspaces
# =============================================================================

# The board: one column per status, cards are tasks.
workspace task_board "Task Board":
  purpose: "Drag work across the workflow"

  board:
    source: Task
    filter: status != archived
    sort: priority desc
    display: kanban
    group_by: status
    action: task_detail
    empty: "The board is empty."

# The lead's home page: headline numbers, then what needs attention this week.
workspace team_overview "Team Overview":
  purpose: "How much work there is, how much is done, and what is due soon"
  access: authenticated

  headline:
    source: Task
    display: metrics
    aggregate:
      all_tasks: count(Task)
      finished: count(Task where status = done)
      in_flight: count(Task where status = in_progress)
      waiting_review: count(Task where status = review)
      planned_hours: sum(Task.estimate_hours)

  due_this_week:
    source: Task
    filter: due_date <= today + 7d and status != done and status != cancelled
    sort: due_date asc, priority desc
    limit: 10
    display: list
    action: task_edit
    empty: "Nothing due in the next seven days."

  projects:
    source: Project
    sort: ends_on asc
    limit: 5
    display: grid
    action: project_detail
    empty: "No projects yet."

  ux:
    for lead:
      purpose: "Your team at a glance"
      focus: headline, due_this_week

    for viewer:
      purpose: "Progress across teams"
      focus: headline, projects

# A member's personal queue.
workspace my_work "My Work":
  purpose: "What you own right now"
  access: authenticated

  doing:
    source: Task
    filter: assignee = current_user and status = in_progress
    sort: priority desc, due_date asc
    limit: 10
    display: list
    action: task_edit
    empty: "Nothing in progress. Pick something from your todo list."

  up_next:
    source: Task
    filter: assignee = current_user and status = todo
    sort: priority desc, due_date asc
    limit: 10
    display: list
    action: task_edit
    empty: "Your todo list is clear."

  mine:
    source: Task
    display: metrics
    aggregate:
      open: count(Task where assignee = current_user and status != done)
      done: count(Task where assignee = current_user and status = done)

# Leads only: where the load sits and what nobody has picked up.
workspace lead_insights "Lead Insights":
  access: persona(lead)
  purpose: "Workload by priority and unowned work"

  by_priority:
    source: Task
    filter: status != done and status != cancelled
    display: bar_chart
    group_by: priority
    empty: "No open tasks."

  unowned:
    source: Task
    filter: assignee = null and status = todo
    sort: priority desc, created_at asc
    limit: 10
    display: list
    action: task_edit
    empty: "Every task has an owner."
