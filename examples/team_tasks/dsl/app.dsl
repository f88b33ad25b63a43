# Team Tasks - data model
#
# A small task tracker for teams that run several projects at once.
# This file is the root module: it names the app and holds every entity.
# People (personas, demo scenarios) live in people.dsl and the screens
# (surfaces, workspaces) live in screens.dsl; both `use` this module.

module team_tasks.core

app team_tasks "Team Tasks":
  description: "Plan, assign and follow up on work across teams and projects"

# -----------------------------------------------------------------------------
# Team: a group of people who share a board. Everything else hangs off it.
# -----------------------------------------------------------------------------

entity Team "Team":
  id: uuid pk
  name: str(80) required unique
  description: text
  created_at: datetime auto_add

  # Anyone signed in may see the teams; only leads reshape them.
  access:
    read: role(lead) or role(member) or role(viewer)
    write: role(lead)

# -----------------------------------------------------------------------------
# Member: one person on one team. The role mirrors the persona ids below,
# so a member's role decides which dashboards and rules apply to them.
# -----------------------------------------------------------------------------

entity Member "Team Member":
  id: uuid pk
  email: email unique required
  name: str(120) required
  role: enum[lead,member,viewer]=member
  active: bool=true
  # optional: someone who signs up belongs to no team until a lead adds them to one
  team: ref Team
  joined_at: datetime auto_add

  # Members are looked up by team all the time (assignee pickers, filters).
  index team
  index role, active

  access:
    read: role(lead) or role(member) or role(viewer)
    write: role(lead) or id = current_user

# -----------------------------------------------------------------------------
# Project: a budgeted piece of work owned by one team.
# -----------------------------------------------------------------------------

entity Project "Project":
  id: uuid pk
  name: str(150) required
  code: str(12) required unique
  summary: text
  team: ref Team required
  budget: money(EUR)
  starts_on: date
  ends_on: date
  created_at: datetime auto_add

  # Roll-ups over the tasks that point at this project (Task.project).
  open_work: computed count(Task)
  planned_hours: computed sum(Task.estimate_hours)

  # Two teams may each have a project called "Website"; one team may not.
  unique team, name

  # A project cannot end before it starts (only checked once both dates exist).
  invariant: starts_on == null or ends_on == null or ends_on >= starts_on
    message: "A project cannot end before it starts"
    code: PROJECT_DATES_REVERSED

  access:
    read: role(lead) or role(member) or role(viewer)
    write: role(lead)

# -----------------------------------------------------------------------------
# Task: the unit of work. Carries the workflow (state machine), the sanity
# rules (invariants) and the per-person visibility (access).
# -----------------------------------------------------------------------------

entity Task "Task":
  id: uuid pk
  title: str(200) required
  description: text
  status: enum[todo,in_progress,review,done,archived,cancelled]=todo
  priority: enum[low,medium,high,urgent]=medium
  due_date: date
  estimate_hours: decimal(6,2)
  assignee: ref Member
  reporter: ref Member
  project: ref Project required
  created_at: datetime auto_add
  updated_at: datetime auto_update

  # How long the task has been around, in days (not stored; worked out on read).
  age_days: computed days_since(created_at)

  # Workflow. Work can only start once somebody owns it; only a lead signs
  # work off or reopens it; finished work drifts into the archive by itself
  # after two weeks unless someone archives it sooner; a lead may call off a
  # task from any state.
  transitions:
    todo -> in_progress: requires assignee
    in_progress -> todo
    in_progress -> review
    review -> in_progress
    review -> done: role(lead)
    done -> in_progress: role(lead)
    done -> archived: auto after 14 days or manual
    * -> cancelled: role(lead)

  # Urgent work without a deadline is just noise: insist on a due date.
  invariant: priority != "urgent" or due_date != null
    message: "Urgent tasks need a due date"
    code: TASK_URGENT_WITHOUT_DUE_DATE

  # Estimates are optional, but never negative.
  invariant: estimate_hours == null or estimate_hours >= 0
    message: "The estimate cannot be negative"
    code: TASK_NEGATIVE_ESTIMATE

  # Nothing sits in progress without an owner (mirrors the transition guard
  # for records that are edited directly).
  invariant: status != "in_progress" or assignee != null

  # A title is used once per project, so lists never show look-alikes.
  unique project, title

  # The board and most lists slice by status and priority together.
  index status, priority
  index assignee
  index due_date

  # Leads and viewers see everything; members see what they own or raised.
  # Only leads and the people directly involved may change a task.
  access:
    read: role(lead) or role(viewer) or assignee = current_user or reporter = current_user
    write: role(lead) or assignee = current_user or reporter = current_user

# -----------------------------------------------------------------------------
# Comment: discussion under a task. Written in the permit:/forbid: style so
# that viewers are explicitly shut out of writing, whatever else allows it.
# -----------------------------------------------------------------------------

entity Comment "Comment":
  id: uuid pk
  task: ref Task required
  author: ref Member required
  body: text required
  created_at: datetime auto_add

  index task

  permit:
    list: authenticated
    read: authenticated
    create: authenticated
    update: author = current_user
    delete: role(lead) or author = current_user

  # Viewers follow along but do not talk; a forbid always beats a permit.
  forbid:
    create: role(viewer)
    update: role(viewer)
    delete: role(viewer)
