/** The pipeline every new tenant starts with: [name, machine_name, default probability, won, lost]. */
export const DEFAULT_PIPELINE_STAGES = [
  {
    name: 'Prospecting',
    machine_name: 'prospecting',
    default_probability: 10,
    is_won_stage: false,
    is_lost_stage: false,
  },
  {
    name: 'Qualification',
    machine_name: 'qualification',
    default_probability: 25,
    is_won_stage: false,
    is_lost_stage: false,
  },
  { name: 'Proposal', machine_name: 'proposal', default_probability: 50, is_won_stage: false, is_lost_stage: false },
  {
    name: 'Negotiation',
    machine_name: 'negotiation',
    default_probability: 75,
    is_won_stage: false,
    is_lost_stage: false,
  },
  {
    name: 'Closed won',
    machine_name: 'closed_won',
    default_probability: 100,
    is_won_stage: true,
    is_lost_stage: false,
  },
  {
    name: 'Closed lost',
    machine_name: 'closed_lost',
    default_probability: 0,
    is_won_stage: false,
    is_lost_stage: true,
  },
] as const;
