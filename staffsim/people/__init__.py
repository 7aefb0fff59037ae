"""From shifts to named people: the agents file, the assignment program, the schedules people
read, and the scenario that simulates them."""
