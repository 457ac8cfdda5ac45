export * from '../../bench/receiver';
