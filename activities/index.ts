import type { Db } from 'mongodb';
import type { Transporter } from 'nodemailer';
import { createBillingActivities } from './billing';
import { createInventoryActivities } from './inventory';
import { createNotificationActivities } from './notifications';
import type { SmsProvider } from '../infra/sms';

export interface SagaActivityDeps {
  db: Db;
  mailer: Transporter;
  mailFrom: string;
  sms: SmsProvider;
}

/** All activities of the order saga, merged; the workflow proxies this type. */
export function createSagaActivities(deps: SagaActivityDeps) {
  return {
    ...createInventoryActivities({ db: deps.db }),
    ...createBillingActivities({ db: deps.db }),
    ...createNotificationActivities({ mailer: deps.mailer, from: deps.mailFrom, sms: deps.sms }),
  };
}
